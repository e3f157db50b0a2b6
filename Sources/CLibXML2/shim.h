#ifndef COMPANIN_CLIBXML2_SHIM_H
#define COMPANIN_CLIBXML2_SHIM_H
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>
#include <libxml/tree.h>
#endif
