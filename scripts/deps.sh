#!/usr/bin/env bash
# Install the Debian packages a task needs, only those missing.
#   scripts/deps.sh build   compilers and CMake
#   scripts/deps.sh test    + tshark, iproute2, nftables, socat, curl, iperf, iperf3, ab, wrk, hping3, nginx-light, wget, tcpdump, libxdp-dev
#                           (the AF_XDP interop test), chromium (the browser test of
#                           demo --html, tests/tools/test_demo_html.sh), ...
#   scripts/deps.sh bench   + liblwip-dev, liburing-dev (tap_write_bench), libxdp-dev and
#                           libbpf-dev (the AF_XDP device, --xdp) and the test tools
#   scripts/deps.sh golden  tools tests/tools/capture_golden6.sh runs (tcpdump,
#                           dnsmasq for router advertisements, socat, ping)
set -euo pipefail
profile=${1:-build}

pkgs=(cmake gcc clang make libclang-rt-14-dev)
case "$profile" in
  build) ;;
  test)  pkgs+=(tshark iproute2 nftables socat curl iperf iperf3 apache2-utils wrk hping3 nginx-light wget tcpdump netcat-openbsd ethtool iputils-ping procps python3 util-linux dnsmasq-base libxdp-dev libbpf-dev pkg-config chromium) ;;
  golden) pkgs+=(tcpdump dnsmasq-base socat iproute2 iputils-ping ethtool) ;;
  bench) pkgs+=(tshark iproute2 nftables socat curl iperf apache2-utils wrk hping3 netcat-openbsd ethtool iputils-ping procps liblwip-dev liburing-dev libxdp-dev libbpf-dev pkg-config) ;;
  *) echo "deps.sh: unknown profile '$profile' (build, test, bench, golden)" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "deps.sh: missing packages (${missing[*]}); run as root to install them" >&2
  exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
