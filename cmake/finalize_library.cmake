# Turns the shared object (or the tool) SwiftPM linked into the distributable one (run by
# CMakeLists.txt):
#   cmake -DINPUT=<swiftpm libsparsevar.so> -DOUTPUT=<libsparsevar.so.X.Y.Z>
#         -DSTRIP=ON|OFF -DSTRIP_COMMAND=<strip> -P finalize_library.cmake
# - copies INPUT to OUTPUT (only when it changed, so that a no-op build stays a no-op);
# - removes the RUNPATH ($ORIGIN) SwiftPM gives every product: with the Swift runtime linked in
#   statically there is nothing to look up next to the library, and a system library should not
#   prefer whatever sits in its directory over the system's OpenBLAS;
# - with STRIP, removes the symbol table and debug information (.dynsym, the exported
#   sparsevar_* functions, stays).
cmake_minimum_required(VERSION 3.21)
foreach(_variable INPUT OUTPUT)
  if(NOT DEFINED ${_variable})
    message(FATAL_ERROR "finalize_library.cmake: -D${_variable}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${INPUT}")
  message(FATAL_ERROR "finalize_library.cmake: ${INPUT} does not exist (did swift build fail?)")
endif()

set(_stamp "${OUTPUT}.source-md5")
file(MD5 "${INPUT}" _input_md5)
set(_input_id "${_input_md5} STRIP=${STRIP}")
if(EXISTS "${OUTPUT}" AND EXISTS "${_stamp}")
  file(READ "${_stamp}" _previous_id)
  if(_previous_id STREQUAL _input_id)
    return()
  endif()
endif()

set(_temporary "${OUTPUT}.tmp")
file(COPY_FILE "${INPUT}" "${_temporary}")
file(RPATH_REMOVE FILE "${_temporary}")
if(STRIP)
  if(NOT STRIP_COMMAND)
    message(FATAL_ERROR "finalize_library.cmake: STRIP is ON but no strip program was found")
  endif()
  execute_process(COMMAND "${STRIP_COMMAND}" --strip-unneeded "${_temporary}"
                  RESULT_VARIABLE _result)
  if(NOT _result EQUAL 0)
    message(FATAL_ERROR "finalize_library.cmake: ${STRIP_COMMAND} failed (${_result})")
  endif()
endif()
file(RENAME "${_temporary}" "${OUTPUT}")
file(WRITE "${_stamp}" "${_input_id}")
