#!/usr/bin/env python3
"""Write the seeds of fuzz/corpus/dns and fuzz/corpus/dhcp from the golden
captures in tests/support/golden_dns.h and golden_dhcp.h (run from the repo
root). The first byte picks the target's mode: even parses the message, odd
drives the resolver or client with a script of steps (see fuzz_dns.c and
fuzz_dhcp.c)."""
import os
import re

def arrays(path):
    text = open(path).read()
    out = {}
    for name, body in re.findall(r"static const uint8_t (\w+)\[\] = \{(.*?)\};", text, re.S):
        out[name] = bytes(int(x, 16) for x in re.findall(r"0x([0-9a-f]{2})", body))
    return out

def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)

dns = arrays("tests/support/golden_dns.h")
for name in ("golden_dns_a", "golden_dns_aaaa", "golden_dns_nx", "golden_dns_many_tcp"):
    write("fuzz/corpus/dns", "parse-" + name[7:], b"\x00" + dns[name])

def udp(msg):  # op 0: a response on the newest query's port, ID patched in (op 8: the one before)
    return bytes([0, min(len(msg), 255)]) + msg[:255]

a, aaaa, many_udp, many = dns["golden_dns_a"], dns["golden_dns_aaaa"], dns["golden_dns_many_udp"], dns["golden_dns_many_tcp"]
write("fuzz/corpus/dns", "drive-answers", b"\x01" + udp(aaaa) + bytes([8, len(a)]) + a)
write("fuzz/corpus/dns", "drive-timeouts", b"\x01" + bytes([1, 20, 1, 20, 1, 40, 1, 80, 1, 160]))
tcp = bytes([len(many) >> 8, len(many) & 255]) + many
steps = udp(aaaa) + udp(many_udp) + bytes([2, 0, 3, 0])
for i in range(0, len(tcp), 200):
    chunk = tcp[i:i + 200]
    steps += bytes([4 | 0x80, len(chunk)]) + chunk
write("fuzz/corpus/dns", "drive-tcp", b"\x01" + steps)

dhcp = arrays("tests/support/golden_dhcp.h")
for name in ("golden_dhcp_offer", "golden_dhcp_ack", "golden_dhcp_nak"):
    write("fuzz/corpus/dhcp", "parse-" + name[7:], b"\x00" + dhcp[name])

def reply(msg):
    return bytes([0, len(msg) >> 8, len(msg) & 255]) + msg

offer, ack, nak = dhcp["golden_dhcp_offer"], dhcp["golden_dhcp_ack"], dhcp["golden_dhcp_nak"]
expire = bytes([3, 0, 0]) * 12
write("fuzz/corpus/dhcp", "drive-bind-expire", b"\x01" + reply(offer) + reply(ack) + expire)
write("fuzz/corpus/dhcp", "drive-renew", b"\x01" + reply(offer) + reply(ack) + bytes([3, 0, 0]) + reply(ack))
write("fuzz/corpus/dhcp", "drive-nak-conflict", b"\x01" + reply(offer) + reply(nak) + reply(offer) + reply(ack) + bytes([2, 0, 0, 3, 0, 0]))
write("fuzz/corpus/dhcp", "drive-init-reboot", b"\x03" + reply(ack) + bytes([3, 0, 0]) * 4)
write("fuzz/corpus/dhcp", "drive-init-reboot-nak", b"\x03" + reply(nak) + reply(offer) + reply(ack))
