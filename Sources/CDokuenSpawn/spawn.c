#define _GNU_SOURCE
#include "CDokuenSpawn.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

int dokuen_spawn(const char *path, char *const argv[], char *const envp[], int stdin_fd, int stdout_fd,
                 int stderr_fd, int flags, pid_t *pid) {
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    int rc = posix_spawnattr_init(&attr);
    if (rc != 0) return rc;
    rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) {
        posix_spawnattr_destroy(&attr);
        return rc;
    }

    // Threads of the Swift runtime block most signals; a child must not inherit that mask (SWIFT-NOTES §1.5).
    sigset_t empty, all;
    sigemptyset(&empty);
    sigfillset(&all);
    short spawn_flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (flags & DOKUEN_SPAWN_NEW_SESSION) spawn_flags |= POSIX_SPAWN_SETSID;
    else if (flags & DOKUEN_SPAWN_NEW_PROCESS_GROUP) spawn_flags |= POSIX_SPAWN_SETPGROUP;
    if (rc == 0) rc = posix_spawnattr_setflags(&attr, spawn_flags);
    if (rc == 0) rc = posix_spawnattr_setsigmask(&attr, &empty);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&attr, &all);
    if (rc == 0 && (flags & DOKUEN_SPAWN_NEW_PROCESS_GROUP)) rc = posix_spawnattr_setpgroup(&attr, 0);

    int fds[3] = {stdin_fd, stdout_fd, stderr_fd};
    for (int target = 0; rc == 0 && target < 3; target++) {
        rc = posix_spawn_file_actions_adddup2(&actions, fds[target], target);
    }
#if defined(__linux__)
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif
    if (rc == 0) rc = posix_spawn(pid, path, &actions, &attr, argv, envp);

    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    return rc;
}

int dokuen_pidfd_open(pid_t pid) {
#if defined(__linux__) && defined(SYS_pidfd_open)
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

int dokuen_wifexited(int status) { return WIFEXITED(status); }
int dokuen_wexitstatus(int status) { return WEXITSTATUS(status); }
int dokuen_wifsignaled(int status) { return WIFSIGNALED(status); }
int dokuen_wtermsig(int status) { return WTERMSIG(status); }
