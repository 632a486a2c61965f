# embed_file.cmake: cmake -DIN=<file> -DOUT=<file.c> -DNAME=<symbol> -DHEADER=<h> -P embed_file.cmake
# Writes a C file defining `const unsigned char NAME[]` and `const size_t NAME_len` with IN's bytes,
# so a page is served from memory without a tool beyond CMake itself.
file(READ "${IN}" hex HEX)
get_filename_component(in_name "${IN}" NAME)
string(LENGTH "${hex}" hex_len)
math(EXPR nbytes "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
# Break the one long line every 16 bytes (80 characters) to keep the file readable.
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n    " body "${body}")
file(WRITE "${OUT}" "/* Generated from ${in_name} by embed_file.cmake; do not edit. */\n"
  "#include \"${HEADER}\"\n\n"
  "const unsigned char ${NAME}[] = {\n    ${body}\n};\n"
  "const size_t ${NAME}_len = ${nbytes};\n")
