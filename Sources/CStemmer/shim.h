#ifndef COMPANIN_CSTEMMER_SHIM_H
#define COMPANIN_CSTEMMER_SHIM_H
#include <libstemmer.h>
#endif
