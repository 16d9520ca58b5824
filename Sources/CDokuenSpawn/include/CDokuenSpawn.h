// Small C helpers for what Swift's Glibc module hides (GNU extensions) or cannot express (macros).
// _GNU_SOURCE is defined in the .c file only: defining it in a public header breaks the Glibc module
// (SWIFT-NOTES.md §4.1). Every symbol is prefixed dokuen_.
#ifndef CDOKUEN_SPAWN_H
#define CDOKUEN_SPAWN_H

#include <sys/types.h>

/// Start the child in a new session (setsid): it gets its own process group and no controlling terminal.
#define DOKUEN_SPAWN_NEW_SESSION 1
/// Start the child in a new process group (setpgid(0, 0)) but keep the caller's session.
#define DOKUEN_SPAWN_NEW_PROCESS_GROUP 2

/// posix_spawn with an empty signal mask, default signal dispositions, the given fds as 0, 1 and 2, every other
/// fd closed, and optionally a new session or process group. Returns 0 or an errno value; *pid is set on success.
int dokuen_spawn(const char *path, char *const argv[], char *const envp[], int stdin_fd, int stdout_fd,
                 int stderr_fd, int flags, pid_t *pid);

/// pidfd_open(2): an fd that polls readable when the process exits. -1 with errno set on failure
/// (ENOSYS where the kernel or the platform has none).
int dokuen_pidfd_open(pid_t pid);

/// The W* macros of <sys/wait.h>, which Swift cannot import.
int dokuen_wifexited(int status);
int dokuen_wexitstatus(int status);
int dokuen_wifsignaled(int status);
int dokuen_wtermsig(int status);

#endif
