# Packaging: `cpack -G "DEB;RPM"` in the build directory (what `make package` runs) builds one
# package, calconn, from the install rules of the "runtime" component: calconnd, calconnctl, the
# configuration, the systemd unit, sysusers.d/tmpfiles.d files and the man pages.
# tests/packaging/check-package.sh inspects the result.

set(CPACK_PACKAGE_NAME calconn)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "calconn project")
set(CALCONN_PACKAGE_MAINTAINER "calconn maintainers <calconn@example.org>"
  CACHE STRING "Maintainer (name <address>) written into the .deb and .rpm")
set(CPACK_PACKAGE_CONTACT "${CALCONN_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "On-premises hybrid calendar connector daemon")
set(CPACK_PACKAGE_DESCRIPTION
  "calconnd connects Microsoft 365 calendars (through Microsoft Graph) with video meeting \
rooms and apps. It runs under systemd as the unprivileged user calconn, is configured in \
/etc/calconn/calconnd.yaml and is controlled with calconnctl. This version provides the \
foundation: configuration, service lifecycle, control socket and packaging.")

# Only the runtime component is packaged; build-tree helpers and test tools are not.
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};${PROJECT_NAME};runtime;/")
# The unit and the man pages name paths under CMAKE_INSTALL_PREFIX (configure_file), so the
# package must be laid out under the same prefix. Distribution packages want /usr.
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(WARNING "packaging: CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}, but the packages "
    "put the configuration in /etc/calconn and need the prefix /usr; reconfigure with "
    "-DCMAKE_INSTALL_PREFIX=/usr before `make package`")
endif()
set(CPACK_STRIP_FILES ON)
# Fixed paths (/etc/calconn, the unit directory): the package cannot be relocated.
set(CPACK_PACKAGE_RELOCATABLE OFF)
set(CPACK_GENERATOR "DEB;RPM")
set(CPACK_SOURCE_GENERATOR "")

# Debian
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# systemd-sysusers and systemd-tmpfiles run in postinst, also where systemd is not PID 1.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_CURRENT_LIST_DIR}/deb/conffiles
  ${CMAKE_CURRENT_LIST_DIR}/deb/postinst
  ${CMAKE_CURRENT_LIST_DIR}/deb/prerm
  ${CMAKE_CURRENT_LIST_DIR}/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# RPM
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_LICENSE "Apache-2.0")
set(CPACK_RPM_PACKAGE_GROUP "System Environment/Daemons")
set(CPACK_RPM_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_RPM_PACKAGE_AUTOREQ ON)
set(CPACK_RPM_PACKAGE_REQUIRES "systemd")
# The man pages are compressed by the build already; rpm's brp-compress also needs bash, which
# is not /bin/sh on Debian build hosts.
set(CPACK_RPM_SPEC_MORE_DEFINE "%define __brp_compress %{nil}")
# CPack marks every file installed to an absolute path as %config; the unit is not one (local
# changes belong in drop-ins), so it is listed here with a plain %attr (CPack 3.25 needs a tag).
set(CPACK_RPM_USER_FILELIST "%config(noreplace) /etc/calconn/calconnd.yaml")
if(CALCONN_SYSTEMD_UNIT_DIR)
  list(APPEND CPACK_RPM_USER_FILELIST
    "%attr(0644,root,root) ${CALCONN_SYSTEMD_UNIT_DIR}/calconnd.service")
endif()
# Directories that belong to the base system or to systemd, not to calconn: every parent of an
# installed file that calconn does not create itself.
set(_prefix "${CPACK_PACKAGING_INSTALL_PREFIX}")
set(_system_dirs
  ${_prefix} ${_prefix}/bin ${_prefix}/sbin ${_prefix}/lib ${_prefix}/lib/sysusers.d
  ${_prefix}/lib/tmpfiles.d ${_prefix}/share ${_prefix}/share/man ${_prefix}/share/man/man5
  ${_prefix}/share/man/man8)
if(CALCONN_SYSTEMD_UNIT_DIR)
  set(_dir "${CALCONN_SYSTEMD_UNIT_DIR}")
  while(NOT _dir STREQUAL "/" AND NOT _dir STREQUAL "")
    list(APPEND _system_dirs "${_dir}")
    get_filename_component(_dir "${_dir}" DIRECTORY)
  endwhile()
endif()
list(REMOVE_DUPLICATES _system_dirs)
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION ${_system_dirs})
set(CPACK_RPM_POST_INSTALL_SCRIPT_FILE ${CMAKE_CURRENT_LIST_DIR}/rpm/post.sh)
set(CPACK_RPM_PRE_UNINSTALL_SCRIPT_FILE ${CMAKE_CURRENT_LIST_DIR}/rpm/preun.sh)
set(CPACK_RPM_POST_UNINSTALL_SCRIPT_FILE ${CMAKE_CURRENT_LIST_DIR}/rpm/postun.sh)

include(CPack)

# Package checks build packages, so they run only when asked for:
#   cmake -DCALCONN_TEST_PACKAGES=ON ... && ctest -L package
option(CALCONN_TEST_PACKAGES "Add a ctest (label package) that builds and inspects the packages" OFF)
if(CALCONN_TEST_PACKAGES)
  add_test(NAME package.contents
    COMMAND sh -c "rm -f calconn_*.deb calconn-*.rpm && \"$1\" -G 'DEB;RPM' >cpack.log 2>&1 || { cat cpack.log; exit 1; }; sh \"$2\" calconn_*.deb calconn-*.rpm"
      sh ${CMAKE_CPACK_COMMAND} ${PROJECT_SOURCE_DIR}/tests/packaging/check-package.sh
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(package.contents PROPERTIES LABELS package TIMEOUT 600)
endif()
