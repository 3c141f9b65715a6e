# Links a SwiftPM product again, with the Swift runtime linked statically (CMakeLists.txt).
#
#   cmake -DMANIFEST=<scratch>/<configuration>.yaml -DPRODUCT=<name> -DKIND=<dylib|exe>
#         -DOUTPUT=<file> "-DEXTRA=<argument>|<argument>|..." [-DSTATIC_IMPORTS=<module>|...]
#         -P relink_static.cmake
#
# The link command is the one SwiftPM ran for the product, read from its llbuild manifest (the
# `args` of the command "C.<product>-<triple>-<configuration>.<kind>"), with -o OUTPUT,
# -static-stdlib and the arguments of EXTRA (separated by `|`) added. Only the link step gets -static-stdlib: given to every
# swiftc call (-Xswiftc) it would also make the compile steps use the toolchain's static resource
# folder, which has no Testing or XCTest module, and `swift test` could not reuse the compiled
# modules; the modules themselves are the same either way (the flag only selects the resource
# folder at compile time). What the static resource folder adds at compile time is the autolink
# entries of the static archives: Foundation's static library needs _FoundationICU,
# _FoundationCShims, ... which an object compiled for the shared one does not name. For a product
# that imports such modules, STATIC_IMPORTS lists them: an object importing them, compiled with
# -static-stdlib, is linked in and brings those entries.

foreach(_variable MANIFEST PRODUCT KIND OUTPUT)
  if(NOT DEFINED ${_variable})
    message(FATAL_ERROR "relink_static.cmake: ${_variable} is not set")
  endif()
endforeach()

file(READ "${MANIFEST}" _manifest)
string(REGEX MATCH "\n  \"C\\.${PRODUCT}-[^\"\n]*\\.${KIND}\":\n(    [^\n]*\n)+" _block "${_manifest}")
if(NOT _block)
  message(FATAL_ERROR "relink_static.cmake: no link command of ${PRODUCT} (${KIND}) in ${MANIFEST}")
endif()
if(NOT _block MATCHES "\n    args: (\\[[^\n]*\\])")
  message(FATAL_ERROR "relink_static.cmake: the link command of ${PRODUCT} in ${MANIFEST} has no args")
endif()
set(_json "${CMAKE_MATCH_1}")

string(JSON _count LENGTH "${_json}")
math(EXPR _last "${_count} - 1")
set(_command "")
set(_is_output FALSE)
foreach(_index RANGE ${_last})
  string(JSON _argument GET "${_json}" ${_index})
  if(_is_output)
    set(_argument "${OUTPUT}")
    set(_is_output FALSE)
  elseif(_argument STREQUAL "-o")
    set(_is_output TRUE)
  endif()
  list(APPEND _command "${_argument}")
endforeach()

get_filename_component(_output_dir "${OUTPUT}" DIRECTORY)
file(MAKE_DIRECTORY "${_output_dir}")
if(STATIC_IMPORTS)
  list(GET _command 0 _swiftc)
  string(REPLACE "|" ";" _imports "${STATIC_IMPORTS}")
  set(_source "")
  foreach(_module IN LISTS _imports)
    string(APPEND _source "import ${_module}\n")
  endforeach()
  file(WRITE "${OUTPUT}.autolink.swift" "${_source}")
  execute_process(
    COMMAND "${_swiftc}" -static-stdlib -O -parse-as-library -c "${OUTPUT}.autolink.swift" -o "${OUTPUT}.autolink.o"
    RESULT_VARIABLE _result)
  if(NOT _result EQUAL 0)
    message(FATAL_ERROR "relink_static.cmake: compiling the autolink object of ${STATIC_IMPORTS} failed")
  endif()
  list(APPEND _command "${OUTPUT}.autolink.o")
endif()
string(REPLACE "|" ";" _extra "${EXTRA}")
execute_process(COMMAND ${_command} -static-stdlib ${_extra} RESULT_VARIABLE _result)
if(NOT _result EQUAL 0)
  message(FATAL_ERROR "relink_static.cmake: linking ${OUTPUT} failed (${_result})")
endif()
