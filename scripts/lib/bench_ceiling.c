/* The benchmark's ceiling (scripts/bench): the least a FastCGI responder can do on libfcgi.
 * It answers every request with the bytes of one file (an assistant as the API serves it), so
 * `ceiling` measures nginx, the socket and libfcgi alone, with the same body the `get` scenario
 * returns. Run as N processes sharing the listening socket on fd 0: spawn-fcgi -F N. */
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: bench-ceiling BODY_FILE\n");
        return 2;
    }
    FILE *file = fopen(argv[1], "rb");
    if (file == NULL) {
        perror(argv[1]);
        return 1;
    }
    static char body[1 << 16];
    size_t length = fread(body, 1, sizeof body, file);
    fclose(file);

    char head[256];
    int head_length = snprintf(head, sizeof head,
                               "Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n", length);
    FCGX_Request request;
    if (FCGX_Init() != 0 || FCGX_InitRequest(&request, 0, 0) != 0) return 1;
    while (FCGX_Accept_r(&request) >= 0) {
        FCGX_PutStr(head, head_length, request.out);
        FCGX_PutStr(body, (int)length, request.out);
        FCGX_Finish_r(&request);
    }
    return 0;
}
