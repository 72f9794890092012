# Compiler flags shared by every Drover target.
add_library(drover_options INTERFACE)
target_compile_options(drover_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # g++ 12 misreports std::variant and std::vector members as uninitialized once inlined (see decisions).
  target_compile_options(drover_options INTERFACE -Wno-maybe-uninitialized)
endif()
if(DROVER_WERROR)
  target_compile_options(drover_options INTERFACE -Werror)
endif()
if(DROVER_SANITIZE)
  target_compile_options(drover_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(drover_options INTERFACE -fsanitize=address,undefined)
endif()
if(DROVER_FUZZ)
  target_compile_options(drover_options INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  target_link_options(drover_options INTERFACE -fsanitize=address,undefined)
endif()

# Each layer's public headers (include/drover/<layer>) are reached through an include root of its
# own in the build tree (a symbolic link), so that a library sees the headers of its own layer and
# of the layers it links, and an include of any other layer fails to compile. The allowed layers
# are also written to layers.map for scripts/check-layers, which names the offending line.
set(DROVER_LAYER_ROOTS ${CMAKE_BINARY_DIR}/layers)

function(drover_layer_root target layer)
  set(root ${DROVER_LAYER_ROOTS}/${target})
  get_filename_component(parent ${root}/drover/${layer} DIRECTORY)
  file(MAKE_DIRECTORY ${parent})
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/drover/${layer} ${root}/drover/${layer} SYMBOLIC)
  set_property(GLOBAL APPEND PROPERTY DROVER_LAYER_TARGETS ${target})
  set_property(GLOBAL PROPERTY DROVER_LAYER_OF_${target} ${layer})
  set(DROVER_LAYER_ROOT ${root} PARENT_SCOPE)
endfunction()

# Installs a layer's library and public headers; in the package (cmake/DroverConfig.cmake.in)
# and in this build alike the library is Drover::<layer>, "/" spelled "_" (Drover::lwm2m_model).
function(drover_install_layer target layer)
  string(REPLACE "/" "_" name ${layer})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  add_library(Drover::${name} ALIAS ${target})
  install(TARGETS ${target} EXPORT DroverTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/drover/${layer}/
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/drover/${layer})
endfunction()

# The header-only utilities every layer may use.
add_library(drover_util INTERFACE)
drover_layer_root(drover_util util)
target_include_directories(drover_util INTERFACE
  $<BUILD_INTERFACE:${DROVER_LAYER_ROOT}> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_features(drover_util INTERFACE cxx_std_20)
set_property(GLOBAL PROPERTY DROVER_LAYER_DEPS_drover_util "")
drover_install_layer(drover_util util)

# drover_library(NAME <target> LAYER <include/drover subfolder> DIR <dir> [DEPS ...]
# [SOURCES ...]): a library from every .cpp in DIR, and SOURCES (generated ones). Its private
# headers are DIR's own, included by bare name.
function(drover_library)
  cmake_parse_arguments(ARG "" "NAME;LAYER;DIR" "DEPS;SOURCES" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${ARG_DIR}/*.cpp)
  list(APPEND sources ${ARG_SOURCES})
  if(NOT sources)  # a layer not written yet
    return()
  endif()
  add_library(${ARG_NAME} STATIC ${sources})
  drover_layer_root(${ARG_NAME} ${ARG_LAYER})
  target_include_directories(${ARG_NAME} PUBLIC
    $<BUILD_INTERFACE:${DROVER_LAYER_ROOT}> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  # The project's warnings apply to what builds here (tests, programs, examples in this tree),
  # not to the code of those who install the package.
  target_link_libraries(${ARG_NAME} PUBLIC $<BUILD_INTERFACE:drover_options> drover_util ${ARG_DEPS})
  drover_install_layer(${ARG_NAME} ${ARG_LAYER})
  set_property(GLOBAL PROPERTY DROVER_LAYER_DEPS_${ARG_NAME} ${ARG_DEPS})
  set_property(GLOBAL PROPERTY DROVER_LAYER_DIR_${ARG_NAME} ${ARG_DIR})
endfunction()

# Writes layers.map: one line per layer, "<layer> <source dir or -> <layers it may include>...".
function(drover_write_layer_map)
  get_property(targets GLOBAL PROPERTY DROVER_LAYER_TARGETS)
  set(lines "")
  foreach(target ${targets})
    set(allowed "")
    set(todo ${target})
    while(todo)
      list(POP_FRONT todo t)
      get_property(layer GLOBAL PROPERTY DROVER_LAYER_OF_${t})
      if(layer AND NOT layer IN_LIST allowed)
        list(APPEND allowed ${layer})
        get_property(deps GLOBAL PROPERTY DROVER_LAYER_DEPS_${t})
        list(APPEND todo ${deps} drover_util)
      endif()
    endwhile()
    get_property(layer GLOBAL PROPERTY DROVER_LAYER_OF_${target})
    get_property(dir GLOBAL PROPERTY DROVER_LAYER_DIR_${target})
    if(dir)
      file(RELATIVE_PATH dir ${PROJECT_SOURCE_DIR} ${dir})
    else()
      set(dir "-")
    endif()
    list(JOIN allowed " " allowed)
    string(APPEND lines "${layer} ${dir} ${allowed}\n")
  endforeach()
  file(WRITE ${CMAKE_BINARY_DIR}/layers.map "${lines}")
endfunction()

# drover_test(NAME <target> DIR <dir> DEPS ... [PRIVATE_HEADERS <dir>]): one GoogleTest binary
# from every .cpp in DIR; PRIVATE_HEADERS is the folder of the layer under test, whose internals
# it may test.
function(drover_test)
  cmake_parse_arguments(ARG "" "NAME;DIR;PRIVATE_HEADERS" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${ARG_DIR}/*.cpp)
  if(NOT sources)
    return()
  endif()
  add_executable(${ARG_NAME} ${sources})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests ${ARG_PRIVATE_HEADERS})
  target_link_libraries(${ARG_NAME} PRIVATE drover_options ${ARG_DEPS} GTest::gtest_main GTest::gmock)
  gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "DROVER_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
