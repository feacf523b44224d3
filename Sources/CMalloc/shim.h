// glibc's allocator settings (mallopt), which the Glibc module does not export (musl's
// malloc.h has no mallopt).
#if defined(__linux__)
#include <features.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#endif
