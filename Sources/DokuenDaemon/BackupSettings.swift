import DokuenCore
import DokuenPosix

/// Where dokuend's backups go (docs/BACKUP.md, Setup): a restic repository, the file holding its password, and
/// restic `-o` options, from `--backup-repo`, `--backup-password-file` and `--backup-option`. Checked at start.
public struct BackupSettings: Sendable, Equatable {
    /// A restic repository string: an absolute directory, `sftp:user@host:/path`, `s3:…`, `rest:…`.
    public let repository: String
    /// An absolute path to a file only its owner (dokuend's user) may read.
    public let passwordFile: String
    /// `KEY=VALUE` each, passed as `-o KEY=VALUE`.
    public let options: [String]

    /// Checks the three options and the password file's owner and mode (`euid`: dokuend's user); the error is the
    /// one line dokuend prints before it exits.
    public init(repository: String, passwordFile: String, options: [String], root: String, euid: UInt32)
        throws(BackupSettingsRefusal)
    {
        guard !repository.isEmpty, !repository.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw BackupSettingsRefusal(
                "invalid --backup-repo \(Quoting.quoted(repository)): it is empty or has control characters")
        }
        let local = Self.localDirectory(repository)
        if let local {
            guard local.hasPrefix("/") else {
                throw BackupSettingsRefusal(
                    "invalid --backup-repo \(Quoting.quoted(repository)): a local repository is an absolute path")
            }
            guard local != root, !local.hasPrefix(root + "/") else {
                throw BackupSettingsRefusal(
                    "invalid --backup-repo \(Quoting.quoted(repository)): it is inside the root \(root), and would be "
                        + "lost with it; put it on another disk or host")
            }
        }
        for option in options {
            if let refusal = Self.optionRefusal(option) { throw BackupSettingsRefusal(refusal) }
        }
        guard passwordFile.hasPrefix("/") else {
            throw BackupSettingsRefusal(
                "invalid --backup-password-file \(Quoting.quoted(passwordFile)): it takes an absolute path")
        }
        let info: FileInfo?
        do { info = try Posix.statFollowingSymlinks(passwordFile) } catch {
            throw BackupSettingsRefusal("unable to read the backup password file \(passwordFile): \(error)")
        }
        guard let info, info.kind == .regular else {
            throw BackupSettingsRefusal(
                "unable to read the backup password file \(passwordFile): it is not there (or not a regular file)")
        }
        if let refusal = Self.passwordFileRefusal(
            passwordFile, owner: info.uid, permissions: info.permissions, euid: euid)
        {
            throw BackupSettingsRefusal(refusal)
        }
        self.repository = repository
        self.passwordFile = passwordFile
        self.options = options
    }

    /// The directory of a local repository (`/srv/backup`, `local:/srv/backup`), nil for a remote one.
    static func localDirectory(_ repository: String) -> String? {
        if repository.hasPrefix("local:") { return String(repository.dropFirst(6)) }
        for scheme in ["sftp:", "rest:", "s3:", "b2:", "azure:", "gs:", "swift:", "rclone:"]
        where repository.hasPrefix(scheme) {
            return nil
        }
        return repository
    }

    /// Why a `--backup-option` is refused, nil when it is fine: `KEY=VALUE`, the key restic's (`sftp.command`,
    /// `s3.storage-class`: lowercase words joined by dots), the value on one line.
    static func optionRefusal(_ option: String) -> String? {
        let parts = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let key = parts.first.map(String.init) ?? ""
        let keyBytes = Array(key.utf8)
        let keyOK =
            parts.count == 2 && key.contains(".") && !key.hasPrefix(".") && !key.hasSuffix(".")
            && !key.contains("..")
            && keyBytes.allSatisfy {
                (97...122).contains($0) || (48...57).contains($0) || $0 == UInt8(ascii: ".")
                    || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
            }
        guard keyOK else {
            return "invalid --backup-option \(Quoting.quoted(option)): it takes KEY=VALUE with one of restic's keys, "
                + "as in sftp.command=\"ssh -i /root/.ssh/backup host -s sftp\""
        }
        guard parts.count == 2, !parts[1].isEmpty, !parts[1].utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
        else {
            return "invalid --backup-option \(Quoting.quoted(option)): its value is empty or has control characters"
        }
        return nil
    }

    /// Why the password file is refused, nil when it is fine: it must be owned by dokuend's user and readable by no
    /// one else (as root: owned by root, no group or other bits; otherwise the user's own, 0600 or 0400).
    static func passwordFileRefusal(_ path: String, owner: UInt32, permissions: UInt32, euid: UInt32) -> String? {
        let mode = String(permissions & 0o7777, radix: 8)
        if euid == 0 {
            guard owner == 0 else {
                return "unable to use the backup password file \(path): it is owned by uid \(owner), not root; "
                    + "chown root \(path)"
            }
            guard permissions & 0o077 == 0 else {
                return "unable to use the backup password file \(path): its mode \(mode) lets the group or others "
                    + "read it; chmod 600 \(path)"
            }
        } else {
            guard owner == euid else {
                return "unable to use the backup password file \(path): it is owned by uid \(owner), not by "
                    + "dokuend's user (uid \(euid))"
            }
            guard permissions & 0o7177 == 0 else {
                return "unable to use the backup password file \(path): its mode is \(mode); it must be 600 "
                    + "(chmod 600 \(path))"
            }
        }
        return nil
    }
}

/// A `--backup-*` option dokuend refuses at start, with the one line it prints.
public struct BackupSettingsRefusal: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
