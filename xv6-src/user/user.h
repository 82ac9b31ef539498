// The interface every user program sees: system calls (usys.S) and the
// little C library (ulib.c, printf.c, umalloc.c).

struct stat;

// System calls, in syscall.h's order.
int fork(void);
int exit(void) __attribute__((noreturn));
int wait(void);
int pipe(int*);
int read(int, void*, int);
int kill(int);
int exec(char*, char**);
int fstat(int fd, struct stat*);
int chdir(const char*);
int dup(int);
int getpid(void);
char* sbrk(int);
int sleep(int);
int uptime(void);
int open(const char*, int);
int write(int, const void*, int);
int mknod(const char*, short, short);
int unlink(const char*);
int link(const char*, const char*);
int mkdir(const char*);
int close(int);

// Localhost sockets (spec/sockets.md); failures are the codes in signalcodes.h.
int listen(int);
int connect(int, const char*);
int send(int, const char*, int);
int recv(int, char*, int);
int disconnect(int);

// ulib.c
int stat(const char*, struct stat*);
char* strcpy(char*, const char*);
void *memmove(void*, const void*, int);
char* strchr(const char*, char c);
int strcmp(const char*, const char*);
void printf(int, const char*, ...);
char* gets(char*, int max);
uint strlen(const char*);
void* memset(void*, int, uint);
void* malloc(uint);
void free(void*);
int atoi(const char*);
int memcmp(const void*, const void*, uint);
