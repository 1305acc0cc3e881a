import Backprop
import Foundation
import Testing

@Suite struct AtomicFileTests {
    @Test func writesNewFileAndReplacesExistingOne() throws {
        let dir = TestFolder()
        defer { dir.remove() }
        let path = dir.file("out.bin")
        try AtomicFile.write([1, 2, 3], to: path)
        #expect(dir.bytes("out.bin") == [1, 2, 3])
        let big = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try AtomicFile.write(big, to: path)
        #expect(dir.bytes("out.bin") == big)
        #expect(dir.entries() == ["out.bin"])  // no temporary left behind
    }

    @Test func failingBodyLeavesPreviousBytesAndNoTemporary() throws {
        struct Boom: Error {}
        let dir = TestFolder()
        defer { dir.remove() }
        let old: [UInt8] = Array("previous model".utf8)
        dir.write(old, "model.safetensors")
        #expect(throws: Boom.self) {
            try AtomicFile.write(to: dir.file("model.safetensors")) { w in
                try w.write([UInt8](repeating: 7, count: 100_000))
                throw Boom()
            }
        }
        #expect(dir.bytes("model.safetensors") == old)
        #expect(dir.entries() == ["model.safetensors"])
    }

    @Test func writingOverAFolderFailsAndLeavesIt() throws {
        let dir = TestFolder()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("sub"), withIntermediateDirectories: false)
        dir.write([9, 9], "sub/keep")
        #expect(throws: AtomicFileError.isDirectory(path: dir.file("sub"))) {
            try AtomicFile.write([1], to: dir.file("sub"))
        }
        #expect(dir.bytes("sub/keep") == [9, 9])
        #expect(dir.entries() == ["sub"])
    }

    @Test func checkWritableReportsEachProblem() throws {
        let dir = TestFolder()
        defer { dir.remove() }
        dir.write([1], "plain")
        try FileManager.default.createDirectory(atPath: dir.file("folder"), withIntermediateDirectories: false)

        #expect(throws: AtomicFileError.emptyPath) { try AtomicFile.checkWritable("") }
        #expect(throws: AtomicFileError.parentMissing(path: dir.file("nope/m.st"), parent: dir.file("nope"))) {
            try AtomicFile.checkWritable(dir.file("nope/m.st"))
        }
        #expect(throws: AtomicFileError.parentNotDirectory(path: dir.file("plain/m.st"), parent: dir.file("plain"))) {
            try AtomicFile.checkWritable(dir.file("plain/m.st"))
        }
        #expect(throws: AtomicFileError.isDirectory(path: dir.file("folder"))) {
            try AtomicFile.checkWritable(dir.file("folder"))
        }
        #expect(throws: AtomicFileError.isDirectory(path: dir.file("new/"))) {
            try AtomicFile.checkWritable(dir.file("new/"))
        }
        #expect(throws: AtomicFileError.notRegularFile(path: "/dev/null")) {
            try AtomicFile.checkWritable("/dev/null")
        }
        try AtomicFile.checkWritable(dir.file("plain"))
        try AtomicFile.checkWritable(dir.file("fresh.bin"))
        // The messages name the path and say what to change.
        let message = "\(AtomicFileError.parentMissing(path: "a/b", parent: "a"))"
        #expect(message.contains("'a'") && message.contains("does not exist"))
        #expect(dir.entries() == ["folder", "plain"])  // checking creates nothing
    }

    @Test func readOnlyFolderIsRejectedWhenPermissionsApply() throws {
        // Root ignores permission bits, so this check only means something for other users.
        guard geteuid() != 0 else { return }
        let dir = TestFolder()
        defer {
            chmod(dir.file("ro"), 0o755)
            dir.remove()
        }
        try FileManager.default.createDirectory(atPath: dir.file("ro"), withIntermediateDirectories: false)
        dir.write([5], "ro/old")
        chmod(dir.file("ro"), 0o555)
        #expect(throws: AtomicFileError.parentNotWritable(path: dir.file("ro/old"), parent: dir.file("ro"))) {
            try AtomicFile.write([1], to: dir.file("ro/old"))
        }
        #expect(dir.bytes("ro/old") == [5])
    }

    @Test func keepsPermissionsOfReplacedFile() throws {
        let dir = TestFolder()
        defer { dir.remove() }
        dir.write([1], "f")
        chmod(dir.file("f"), 0o600)
        try AtomicFile.write([2], to: dir.file("f"))
        var st = stat()
        stat(dir.file("f"), &st)
        #expect(st.st_mode & 0o777 == 0o600)
        try AtomicFile.write([3], to: dir.file("g"))
        stat(dir.file("g"), &st)
        #expect(st.st_mode & 0o777 == 0o644)
    }
}
