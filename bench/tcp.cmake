# TCP benchmarks (issue 3): synack in-process and the Linux peer for the
# baseline. Included from bench/CMakeLists.txt.
add_executable(bench_tcp ${CMAKE_CURRENT_LIST_DIR}/bench_tcp.c)
target_include_directories(bench_tcp PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/port)
target_link_libraries(bench_tcp PRIVATE synack synack_posix bench_provenance)

# Plain BSD sockets: Linux's own TCP, driven by bench/run_tcp_bench.sh in two
# network namespaces. It does not use synack.
add_executable(linux_tcp_peer ${CMAKE_CURRENT_LIST_DIR}/linux_tcp_peer.c)
target_compile_definitions(linux_tcp_peer PRIVATE _GNU_SOURCE)

# Linux's own UDP for the UDP echo baseline (bench/run_udp_bench.sh).
add_executable(linux_udp_peer ${CMAKE_CURRENT_LIST_DIR}/linux_udp_peer.c)
target_compile_definitions(linux_udp_peer PRIVATE _GNU_SOURCE)

# UDP echo in-process (issue 8): two synack stacks, frames in memory.
add_executable(bench_udp ${CMAKE_CURRENT_LIST_DIR}/bench_udp.c)
target_include_directories(bench_udp PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/port)
target_link_libraries(bench_udp PRIVATE synack synack_posix bench_provenance)

# Request/response latency (issue 9): a 1-byte ping-pong client timing every
# round trip, and Linux's echo server for the baseline (run_tap_bench.sh).
add_executable(rr_peer ${CMAKE_CURRENT_LIST_DIR}/rr_peer.c)
target_compile_definitions(rr_peer PRIVATE _GNU_SOURCE)
# The reverse: synack on a TAP as the request/response client.
add_executable(rr_synack ${CMAKE_CURRENT_LIST_DIR}/rr_synack.c)
target_include_directories(rr_synack PRIVATE ${PROJECT_SOURCE_DIR}/port)
target_compile_definitions(rr_synack PRIVATE _GNU_SOURCE)
target_link_libraries(rr_synack PRIVATE synack synack_posix)

# A million idle connections between two in-process stacks (issue 10):
# memory per connection, time to open, CPU per idle second.
add_executable(bench_1m ${CMAKE_CURRENT_LIST_DIR}/bench_1m.c)
target_include_directories(bench_1m PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(bench_1m PRIVATE synack bench_provenance)

# In-process SYN flood: one stack's CPU per spoofed SYN (bench/README-synflood.md)
add_executable(bench_synflood ${CMAKE_CURRENT_LIST_DIR}/bench_synflood.c)
target_include_directories(bench_synflood PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/port)
target_link_libraries(bench_synflood PRIVATE synack synack_posix bench_provenance)
