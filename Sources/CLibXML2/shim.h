#ifndef COMPANIN_CLIBXML2_SHIM_H
#define COMPANIN_CLIBXML2_SHIM_H
// Debian's libxml2 is built with ICU, and its encoding.h would pull in the system ICU headers,
// which clash with the ICU that Foundation bundles. Companin never uses libxml2's ICU converter
// types directly, so the header is read as if ICU support were off.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>
#include <libxml/tree.h>
#endif
