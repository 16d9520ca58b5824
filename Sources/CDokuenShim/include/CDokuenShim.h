// The C side of dokuen-shim, but for spawning (CDokuenSpawn, shared with the daemon). The shim is Embedded Swift,
// which cannot import Glibc: this header brings in the system declarations it uses, and the .c file holds what Swift
// cannot do (macros, variadic calls, GNU extensions). _GNU_SOURCE is defined in the .c file only
// (docs/STACK-NOTES.md §4.1). Symbols are prefixed dokuen_. Only the shim's System.swift imports it.
#ifndef CDOKUEN_SHIM_H
#define CDOKUEN_SHIM_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/// argc and argv as the process received them (Embedded Swift has no CommandLine).
int dokuen_argc(void);
char **dokuen_argv(void);
/// The process environment.
char **dokuen_environ(void);

/// open(2), which is variadic. O_CLOEXEC is always added.
int dokuen_open(const char *path, int flags, mode_t mode);
/// recv(2) with MSG_DONTWAIT.
ssize_t dokuen_receive(int fd, void *buffer, size_t length);

/// errno, which is a macro.
int dokuen_errno(void);

/// pipe2(O_CLOEXEC). Returns 0 or -1 with errno.
int dokuen_pipe(int fds[2]);
/// Enlarges a pipe's buffer (F_SETPIPE_SZ); returns the new size or -1.
int dokuen_set_pipe_size(int fd, int bytes);
/// Sets O_NONBLOCK on fd.
int dokuen_set_nonblocking(int fd);

/// Blocks SIGCHLD, SIGTERM, SIGINT and SIGHUP and returns a signalfd for them (CLOEXEC, non-blocking); SIGPIPE is
/// ignored. Returns -1 with errno on failure.
int dokuen_signalfd_setup(void);
/// Reads one signal from the signalfd: its number, 0 when none is pending, -1 on error.
int dokuen_signalfd_next(int fd);

/// prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants are reparented to the shim, which reaps them.
int dokuen_become_subreaper(void);

/// waitpid(-1, WNOHANG): the pid reaped (0 when none, -1 when no children), and how it ended:
/// *signaled = 1 and *value = signal, or *signaled = 0 and *value = exit code.
int dokuen_reap_one(int *signaled, int *value);
/// Whether any process of group pgid is alive (kill(-pgid, 0)).
int dokuen_group_alive(pid_t pgid);
/// Sends signal_number to every live descendant of the calling process (found through the ppid links of
/// /proc/<pid>/stat) outside process group skip_pgid (0: none, e.g. the group already signalled with kill(-pgid)).
/// Scans again until a scan finds no descendant not yet signalled, so that one forked meanwhile is not missed
/// (at most 16 rounds). Returns how many were signalled, or -1 when /proc cannot be read.
int dokuen_signal_descendants(pid_t skip_pgid, int signal_number);
/// How many live (not zombie) descendants the calling process has, or -1 when /proc cannot be read.
int dokuen_count_descendants(void);

/// Resolves a user name from /etc/passwd and /etc/group (no NSS): uid, gid, then the gid and the supplementary groups
/// (at most *group_count; updated). 0, or -1 when unknown.
int dokuen_lookup_user(const char *name, uid_t *uid, gid_t *gid, gid_t *groups, int *group_count);

/// A bound, non-blocking AF_UNIX datagram socket at path (an old file there is replaced). -1 with errno.
int dokuen_bind_datagram(const char *path);
/// One best-effort, non-blocking datagram to the socket at path. Never blocks; errors are ignored.
void dokuen_send_datagram(const char *path, const char *message, size_t length);
/// Whether 127.0.0.1:port accepts a TCP connection within timeout_ms.
int dokuen_port_accepts(int port, int timeout_ms);

/// Clocks in milliseconds.
int64_t dokuen_monotonic_ms(void);
int64_t dokuen_realtime_ms(void);
/// Formats a UTC time as `2026-11-22T05:36:13.123Z ` (25 bytes, with the trailing space) into out[32].
void dokuen_format_timestamp(int64_t realtime_ms, char out[32]);

#endif
