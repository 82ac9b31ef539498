// Error codes returned by the socket system calls (see spec/sockets.md).
#define E_NOTFOUND                   -1025  // no socket at that port
#define E_ACCESS_DENIED              -1026  // port in use, or socket owned by another process
#define E_WRONG_STATE                -1027  // not connected, or not a waiting listener
#define E_FAIL                       -1028  // socket table or ports exhausted
#define E_INVALID_ARG                -1029  // bad port, host, length or pointer
#define E_CONNECTION_RESET_BY_REMOTE -1030  // peer disconnected or exited
