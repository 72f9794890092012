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

# drover_library(NAME <target> DIR <dir> [DEPS ...]): a library from every .cpp in DIR.
function(drover_library)
  cmake_parse_arguments(ARG "" "NAME;DIR" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${ARG_DIR}/*.cpp)
  if(NOT sources)  # a layer not written yet
    return()
  endif()
  add_library(${ARG_NAME} STATIC ${sources})
  target_include_directories(${ARG_NAME} PUBLIC
    ${PROJECT_SOURCE_DIR}/include PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${ARG_NAME} PUBLIC drover_options ${ARG_DEPS})
endfunction()

# drover_test(NAME <target> DIR <dir> DEPS ...): one GoogleTest binary from every .cpp in DIR.
function(drover_test)
  cmake_parse_arguments(ARG "" "NAME;DIR" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${ARG_DIR}/*.cpp)
  if(NOT sources)
    return()
  endif()
  add_executable(${ARG_NAME} ${sources})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${ARG_NAME} PRIVATE drover_options ${ARG_DEPS} GTest::gtest_main GTest::gmock)
  gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "DROVER_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
