# The web console's build: `npm ci` from src/console/package-lock.json into the build tree (the
# plotting library the pages import, and playwright-core for the browser tests), then the page's
# files and that library embedded in a generated C++ source (cmake/EmbedAssets.cmake).
# Sets DROVER_CONSOLE_SOURCES and DROVER_NODE_MODULES.
find_program(NPM_PROGRAM npm REQUIRED)
find_program(NODE_PROGRAM node REQUIRED)
set(console_dir ${PROJECT_SOURCE_DIR}/src/console)
set(npm_dir ${CMAKE_BINARY_DIR}/console/npm)
set(DROVER_NODE_MODULES ${npm_dir}/node_modules CACHE INTERNAL "the console's npm packages")
set(npm_stamp ${DROVER_NODE_MODULES}/.package-lock.json)  # written by npm ci
add_custom_command(OUTPUT ${npm_stamp}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${npm_dir}
  COMMAND ${CMAKE_COMMAND} -E copy ${console_dir}/package.json ${console_dir}/package-lock.json
    ${npm_dir}/
  COMMAND ${NPM_PROGRAM} ci --no-audit --no-fund --loglevel=error
  WORKING_DIRECTORY ${npm_dir}
  DEPENDS ${console_dir}/package.json ${console_dir}/package-lock.json
  COMMENT "npm ci: the console's packages"
  VERBATIM)

# URL path = file. The vendored library's files come from node_modules.
file(GLOB_RECURSE web_files CONFIGURE_DEPENDS ${console_dir}/web/*)
set(console_assets "")
foreach(file ${web_files})
  file(RELATIVE_PATH rel ${console_dir}/web ${file})
  list(APPEND console_assets "/${rel}=${file}")
endforeach()
set(vendor_files ${DROVER_NODE_MODULES}/uplot/dist/uPlot.esm.js
  ${DROVER_NODE_MODULES}/uplot/dist/uPlot.min.css)
foreach(file ${vendor_files})
  get_filename_component(name ${file} NAME)
  list(APPEND console_assets "/vendor/${name}=${file}")
endforeach()
set(generated ${CMAKE_BINARY_DIR}/console/console_assets.cpp)
string(REPLACE ";" "|" assets_arg "${console_assets}")
add_custom_command(OUTPUT ${generated}
  COMMAND ${CMAKE_COMMAND} -DOUT=${generated} "-DASSETS=${assets_arg}"
    -DWORK=${CMAKE_BINARY_DIR}/console/gz -P ${PROJECT_SOURCE_DIR}/cmake/EmbedAssets.cmake
  DEPENDS ${web_files} ${npm_stamp} ${PROJECT_SOURCE_DIR}/cmake/EmbedAssets.cmake
  COMMENT "Embedding the console's files"
  VERBATIM)
set(DROVER_CONSOLE_SOURCES ${generated})
