# Install rules and the Debian package: `cpack -G DEB` in a build folder (after building qblink)
# writes qblink_VERSION_ARCH.deb. deploy/package-test.sh builds one and installs it in a clean
# root. The package: /usr/bin/qblink, the systemd unit, /etc/qblink/qblink.conf (a conffile),
# and maintainer scripts (deploy/debian/) that create the qblink system user and /var/lib/qblink.
include(GNUInstallDirs)
install(TARGETS qblink RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/deploy/qblink.service DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/qblink.conf DESTINATION /etc/qblink
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/deploy/TLS.md
              ${PROJECT_SOURCE_DIR}/deploy/prometheus-alerts.yml
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME qblink)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "qblink maintainers <qblink@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "QuickBooks Web Connector server linking a field-service app's customers and suppliers")
set(CPACK_PACKAGE_DESCRIPTION
    "qblink is the server the QuickBooks Web Connector polls: it links the app's customers and\n suppliers to QuickBooks Desktop without creating duplicates, holds near matches for review\n and adds only genuinely new accounts, exactly once.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # qblink_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)   # dpkg-shlibdeps: libsqlite3, libssl, libsodium, ...
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/postinst ${PROJECT_SOURCE_DIR}/deploy/debian/prerm
    ${PROJECT_SOURCE_DIR}/deploy/debian/postrm ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
