# The installed SDK: `cmake --install` puts the layers' libraries and public headers under the
# prefix with a package configuration, so that `find_package(Drover)` gives Drover::client,
# Drover::server, Drover::transport ... (examples/ builds against it).
include(CMakePackageConfigHelpers)

set(DROVER_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Drover)
install(EXPORT DroverTargets NAMESPACE Drover:: DESTINATION ${DROVER_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/DroverConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/DroverConfig.cmake INSTALL_DESTINATION ${DROVER_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/DroverConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/DroverConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/DroverConfigVersion.cmake DESTINATION ${DROVER_CMAKE_DIR})
