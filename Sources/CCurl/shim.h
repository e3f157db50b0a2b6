#ifndef COMPANIN_CCURL_SHIM_H
#define COMPANIN_CCURL_SHIM_H
#include <curl/curl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call; these typed
// wrappers are the whole C surface the Ingestion module needs.
static inline CURLcode companin_curl_setopt_long(CURL *curl, CURLoption option, long value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode companin_curl_setopt_string(CURL *curl, CURLoption option, const char *value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode companin_curl_setopt_pointer(CURL *curl, CURLoption option, void *value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode companin_curl_setopt_write_function(CURL *curl,
        size_t (*callback)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, callback);
}
static inline CURLcode companin_curl_setopt_off_t(CURL *curl, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode companin_curl_getinfo_long(CURL *curl, CURLINFO info, long *value) {
    return curl_easy_getinfo(curl, info, value);
}
static inline CURLcode companin_curl_setopt_header_function(CURL *curl,
        size_t (*callback)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, callback);
}
static inline CURLcode companin_curl_setopt_opensocket_function(CURL *curl, curl_opensocket_callback callback) {
    return curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, callback);
}
static inline CURLcode companin_curl_getinfo_string(CURL *curl, CURLINFO info, char **value) {
    return curl_easy_getinfo(curl, info, value);
}
static inline CURLcode companin_curl_getinfo_off_t(CURL *curl, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(curl, info, value);
}

// The address an opensocket callback is asked to connect to: copies 4 (AF_INET) or 16
// (AF_INET6) address bytes into `out` and the port into `port`, and returns the byte count;
// 0 for any other family (AF_UNIX) or a short sockaddr.
static inline int companin_curl_sockaddr_ip(const struct curl_sockaddr *address, unsigned char out[16], int *port) {
    if (address->family == AF_INET && address->addrlen >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)(const void *)&address->addr;
        memcpy(out, &v4->sin_addr, 4);
        *port = ntohs(v4->sin_port);
        return 4;
    }
    if (address->family == AF_INET6 && address->addrlen >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)(const void *)&address->addr;
        memcpy(out, &v6->sin6_addr, 16);
        *port = ntohs(v6->sin6_port);
        return 16;
    }
    return 0;
}
// What libcurl's own opensocket does, plus close-on-exec so a subprocess (pdftotext,
// tesseract) never inherits the connection.
static inline curl_socket_t companin_curl_open_socket(const struct curl_sockaddr *address) {
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}
static inline curl_socket_t companin_curl_socket_bad(void) {
    return CURL_SOCKET_BAD;
}

// CURLU_* flags are macros built from shifts, which Swift does not import.
static const unsigned int companin_curlu_non_support_scheme = CURLU_NON_SUPPORT_SCHEME;

// CURL_GLOBAL_DEFAULT is a macro built from shifts, which Swift does not import.
static inline CURLcode companin_curl_global_init_default(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}
#endif
