import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an output path cannot be written, or why an atomic write failed.
public enum AtomicFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path is the empty string.
    case emptyPath
    /// The folder that would hold the file does not exist.
    case parentMissing(path: String, parent: String)
    /// The "folder" that would hold the file exists but is not a folder.
    case parentNotDirectory(path: String, parent: String)
    /// The folder exists but this process may not create files in it.
    case parentNotWritable(path: String, parent: String)
    /// The path names an existing folder (or ends in `/`).
    case isDirectory(path: String)
    /// The path names something that is neither a regular file nor absent (a device, a socket…).
    case notRegularFile(path: String)
    /// A system call failed while writing; the previous file (if any) is untouched.
    case writeFailed(path: String, operation: String, reason: String)

    public var description: String {
        switch self {
        case .emptyPath:
            return "output path is empty; give a file name"
        case .parentMissing(let path, let parent):
            return "cannot write '\(path)': folder '\(parent)' does not exist; create it or choose another path"
        case .parentNotDirectory(let path, let parent):
            return "cannot write '\(path)': '\(parent)' is not a folder"
        case .parentNotWritable(let path, let parent):
            return "cannot write '\(path)': folder '\(parent)' is not writable; choose another path"
        case .isDirectory(let path):
            return "cannot write '\(path)': it is a folder; give a file name"
        case .notRegularFile(let path):
            return "cannot write '\(path)': it exists and is not a regular file"
        case .writeFailed(let path, let operation, let reason):
            return "writing '\(path)' failed (\(operation): \(reason)); the previous file, if any, is unchanged"
        }
    }
}

extension AtomicFileError: LocalizedError {
    public var errorDescription: String? { description }
}

/// Atomic replacement of a file: the bytes go to a temporary file in the same folder, which is
/// flushed to disk (`fsync`) and then renamed over the target (`rename(2)` is atomic within one
/// file system). A reader therefore sees either the complete old file or the complete new one;
/// on any failure the old file is untouched and the temporary file is removed.
///
/// A symbolic link at the target path is replaced by the new file (the link's target is not
/// written). The new file gets the permissions of the file it replaces, or `0644` when new.
public enum AtomicFile {
    /// Checks, before any work starts, that `path` can be written: it is not empty, does not name
    /// a folder or a non-regular file, and its parent folder exists, is a folder and is writable.
    /// Throws ``AtomicFileError``.
    public static func checkWritable(_ path: String) throws {
        if path.isEmpty { throw AtomicFileError.emptyPath }
        if path.hasSuffix("/") { throw AtomicFileError.isDirectory(path: path) }
        var st = stat()
        if lstat(path, &st) == 0 {
            let type = st.st_mode & S_IFMT
            if type == S_IFDIR { throw AtomicFileError.isDirectory(path: path) }
            if type == S_IFLNK {
                // A link to a folder would be replaced by a file: refuse, as for a folder.
                var target = stat()
                if stat(path, &target) == 0 && (target.st_mode & S_IFMT) == S_IFDIR {
                    throw AtomicFileError.isDirectory(path: path)
                }
            } else if type != S_IFREG {
                throw AtomicFileError.notRegularFile(path: path)
            }
        }
        let parent = parentFolder(of: path)
        var pst = stat()
        if stat(parent, &pst) != 0 {
            if errno == ENOTDIR { throw AtomicFileError.parentNotDirectory(path: path, parent: parent) }
            throw AtomicFileError.parentMissing(path: path, parent: parent)
        }
        if (pst.st_mode & S_IFMT) != S_IFDIR {
            throw AtomicFileError.parentNotDirectory(path: path, parent: parent)
        }
        if access(parent, W_OK | X_OK) != 0 {
            throw AtomicFileError.parentNotWritable(path: path, parent: parent)
        }
    }

    /// Atomically replaces the file at `path` with `bytes`.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { try $0.write(bytes) }
    }

    /// Atomically replaces the file at `path` with the UTF-8 bytes of `text`.
    public static func write(text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Atomically replaces the file at `path` with whatever `body` writes to the ``Writer`` it is
    /// given. If `body` throws, its error is rethrown, the previous file is untouched and the
    /// temporary file is removed. The writer must not be used after `body` returns.
    public static func write(to path: String, _ body: (inout Writer) throws -> Void) throws {
        try checkWritable(path)
        let parent = parentFolder(of: path)
        let base = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        var template = Array("\(parent)/.\(base).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd < 0 { throw failure(path, "create temporary file") }
        let tempPath = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var closed = false
        var renamed = false
        defer {
            if !closed { _ = close(fd) }
            if !renamed { _ = unlink(tempPath) }
        }
        var old = stat()
        let mode: mode_t = stat(path, &old) == 0 ? old.st_mode & 0o7777 : 0o644
        if fchmod(fd, mode) != 0 { throw failure(path, "fchmod") }
        var writer = Writer(fd: fd, path: path)
        try body(&writer)
        if fsync(fd) != 0 { throw failure(path, "fsync") }
        closed = true
        if close(fd) != 0 { throw failure(path, "close") }
        if rename(tempPath, path) != 0 { throw failure(path, "rename") }
        renamed = true
        // Make the rename itself durable (best effort: some file systems refuse fsync on folders).
        let dirfd = open(parent, O_RDONLY)
        if dirfd >= 0 {
            _ = fsync(dirfd)
            _ = close(dirfd)
        }
    }

    /// The sink handed to ``AtomicFile/write(to:_:)``: appends bytes to the temporary file.
    public struct Writer {
        fileprivate let fd: Int32
        fileprivate let path: String

        /// Appends `bytes`.
        public mutating func write(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { try write($0) }
        }

        /// Appends the bytes of `buffer`.
        public mutating func write(_ buffer: UnsafeRawBufferPointer) throws {
            guard var p = buffer.baseAddress else { return }
            var left = buffer.count
            while left > 0 {
                let n = Glibc_write(fd, p, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw AtomicFile.failure(path, "write")
                }
                left -= n
                p += n
            }
        }
    }

    /// The folder part of `path` (`"."` for a bare file name, `"/"` for a file in the root).
    static func parentFolder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    static func failure(_ path: String, _ operation: String) -> AtomicFileError {
        let code = errno
        return .writeFailed(path: path, operation: operation, reason: String(cString: strerror(code)))
    }
}

/// `write(2)` under a name that does not clash with ``AtomicFile/Writer/write(_:)-…``.
@inline(__always)
private func Glibc_write(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    write(fd, p, n)
}
