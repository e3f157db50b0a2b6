#ifndef COMPANIN_CFASTCGI_SHIM_H
#define COMPANIN_CFASTCGI_SHIM_H
#include <fcgiapp.h>
/* The accept loop waits on the listening socket with epoll (EPOLLEXCLUSIVE); Glibc does not export it. */
#include <sys/epoll.h>
#endif
