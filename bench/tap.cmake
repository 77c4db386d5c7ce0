# TAP benchmark (issue 4): lwIP behind a TAP device as the second peer stack,
# beside `synack serve --tap` and Linux over veth. Driver:
# bench/run_tap_bench.sh. Included from bench/CMakeLists.txt.
#
# lwIP comes from Debian's liblwip-dev (scripts/deps.sh bench), found with
# pkg-config; without it only this target is skipped.
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(LWIP QUIET IMPORTED_TARGET lwip)
endif()
if(LWIP_FOUND)
  add_executable(lwip_tap_server ${CMAKE_CURRENT_LIST_DIR}/lwip_tap_server.c)
  target_compile_definitions(lwip_tap_server PRIVATE _GNU_SOURCE)
  # lwIP's headers are not written for our warning set: include them as
  # system headers so that -Werror judges only our own code.
  target_include_directories(lwip_tap_server SYSTEM PRIVATE ${LWIP_INCLUDE_DIRS})
  target_link_libraries(lwip_tap_server PRIVATE PkgConfig::LWIP)
else()
  message(STATUS "lwIP (pkg-config lwip) not found: skipping lwip_tap_server "
                 "(apt-get install liblwip-dev, or scripts/deps.sh bench)")
endif()

# One write() per frame against io_uring batches on a TAP (issue 9): the
# io_uring half needs liburing (Debian liburing-dev, pkg-config liburing);
# without it the program measures write() alone and says so. The library
# and `synack` itself never use io_uring. Driver: bench/run_tapwrite_bench.sh.
if(PKG_CONFIG_FOUND)
  pkg_check_modules(LIBURING QUIET IMPORTED_TARGET liburing)
endif()
add_executable(tap_write_bench ${CMAKE_CURRENT_LIST_DIR}/tap_write_bench.c)
target_compile_definitions(tap_write_bench PRIVATE _GNU_SOURCE)
target_include_directories(tap_write_bench PRIVATE ${PROJECT_SOURCE_DIR}/port)
target_link_libraries(tap_write_bench PRIVATE synack synack_posix bench_provenance)
if(LIBURING_FOUND)
  target_compile_definitions(tap_write_bench PRIVATE SK_HAVE_LIBURING)
  target_include_directories(tap_write_bench SYSTEM PRIVATE ${LIBURING_INCLUDE_DIRS})
  target_link_libraries(tap_write_bench PRIVATE PkgConfig::LIBURING)
else()
  message(STATUS "liburing (pkg-config liburing) not found: tap_write_bench measures "
                 "write() only (apt-get install liburing-dev)")
endif()
