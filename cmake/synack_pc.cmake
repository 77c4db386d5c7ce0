# Install-time script: writes synack.pc and synack-posix.pc with the prefix
# the install really goes to (cmake --install --prefix P sets
# CMAKE_INSTALL_PREFIX for this script), so that
# PKG_CONFIG_PATH=P/lib/pkgconfig pkg-config --cflags --libs synack answers
# -IP/include -LP/lib. The other SYNACK_PC_* come from install(CODE).
set(SYNACK_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
if(DEFINED ENV{DESTDIR})
  set(dest "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${SYNACK_PC_LIBDIR}/pkgconfig")
else()
  set(dest "${CMAKE_INSTALL_PREFIX}/${SYNACK_PC_LIBDIR}/pkgconfig")
endif()
foreach(pc synack synack-posix)
  configure_file("${SYNACK_PC_SRC}/${pc}.pc.in" "${dest}/${pc}.pc" @ONLY)
  message(STATUS "Installing: ${dest}/${pc}.pc")
endforeach()
