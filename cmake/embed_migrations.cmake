# Compiles every sql/NNN_*.sql file, in name order, into a C array of migrations
# (persistence/migrate.h), so the binary carries its schema and needs no files at run time.
file(GLOB files ${SQL_DIR}/*.sql)
list(SORT files)
set(body "")
set(table "")
set(i 0)
foreach(f ${files})
  get_filename_component(name ${f} NAME)
  file(READ ${f} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){32})" "\\1\n" bytes "${bytes}")
  string(APPEND body "static const unsigned char m${i}[] = {\n${bytes}0x00};\n")
  string(APPEND table "    {\"${name}\", (const char *)m${i}},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE ${OUTPUT} "/* Generated from the sql directory; do not edit. */\n#include \"persistence/migrate.h\"\n"
  "${body}const sf_migration sf_migrations[] = {\n${table}};\n"
  "const unsigned long sf_migration_count = ${i};\n")
