#ifndef COMPANIN_CFASTCGI_SHIM_H
#define COMPANIN_CFASTCGI_SHIM_H
#include <fcgiapp.h>
#endif
