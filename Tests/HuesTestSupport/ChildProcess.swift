import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process for tests (tools that check our output, the `hues` binary, a mail server), started with
/// `posix_spawn` in place of Foundation's `Process`, and waited for on a thread of its own.
///
/// Foundation's `Process.run()` on Linux (Swift 6.3.1) copies a whole 256-byte `d_name` out of each `/proc/self/fd`
/// entry it reads, past the end of glibc's buffer when an entry sits at its tail: now and then the copy touches an
/// unmapped page and the whole test run dies with SIGSEGV (swift-corelibs-foundation PR #5472; it killed a PostgreSQL
/// run here). The server itself uses the Subprocess package; tests want a blocking wait and a child that outlives a
/// scope (the mail server), which this gives in a page. It asks glibc to close the inherited descriptors
/// (`posix_spawn_file_actions_addclosefrom_np`, glibc 2.34) and resets signal handling in the child as `Process` does.
public final class ChildProcess: Sendable {
    public struct Failed: Error, CustomStringConvertible {
        public var description: String
    }

    /// The child's process id; valid until `waitUntilExit` returns.
    public let id: pid_t
    /// The exit status once reaped: the code the child exited with, or 128 + the signal that killed it.
    private let reaped = Mutex<Int32?>(nil)

    private init(id: pid_t) { self.id = id }

    /// Starts `executable` (an absolute path) with `arguments` and exactly `environment`.
    ///
    /// `input`, `output` and `error` are descriptors the child gets as 0, 1 and 2 (nil: `/dev/null`); the caller keeps
    /// and closes its own copies. Every other descriptor of this process is closed in the child.
    public static func start(_ executable: String, _ arguments: [String], environment: [String: String],
                             directory: String? = nil, input: Int32? = nil, output: Int32? = nil,
                             error: Int32? = nil) throws -> ChildProcess {
        // A source below 3 that is not its own target (a server started with stdin closed gets 0 for its next file)
        // would be overwritten by an earlier action; such a source is lent to the child from a copy at 3 or above.
        var copies: [Int32] = []
        defer { copies.forEach { _ = close($0) } }
        let standard = try [input, output, error].enumerated().map { target, source -> Int32? in
            guard let source, source < 3, source != Int32(target) else { return source }
            let copy = fcntl(source, F_DUPFD_CLOEXEC, 3)
            guard copy >= 0 else { throw Failed(description: "cannot copy descriptor \(source): \(String(cString: strerror(errno)))") }
            copies.append(copy)
            return copy
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        try describeChild(&actions, directory: directory, standard: standard)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        var defaults = sigset_t()
        sigfillset(&defaults)
        // Whatever this process ignores or blocks (a test runner, a library), a tool started from it must not inherit.
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw Failed(description: "\(executable) could not start: \(String(cString: strerror(result)))") }
        return ChildProcess(id: pid)
    }

    private typealias DescriptorAction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias PathAction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// Standard descriptors, the working folder and closing the rest. The two `_np` actions are glibc extensions
    /// Swift's Glibc module does not import (they need `_GNU_SOURCE`), so they are looked up by name.
    private static func describeChild(_ actions: inout posix_spawn_file_actions_t, directory: String?, standard: [Int32?]) throws {
        for (target, source) in standard.enumerated() {
            let status = if let source {
                posix_spawn_file_actions_adddup2(&actions, source, Int32(target))
            } else {
                posix_spawn_file_actions_addopen(&actions, Int32(target), "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            }
            guard status == 0 else { throw Failed(description: "cannot set up descriptor \(target): \(String(cString: strerror(status)))") }
        }
        guard let closeFrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map({ unsafeBitCast($0, to: DescriptorAction.self) }) else {
            throw Failed(description: "glibc 2.34 or later is needed to start a child process (posix_spawn_file_actions_addclosefrom_np)")
        }
        guard closeFrom(&actions, 3) == 0 else { throw Failed(description: "cannot ask for the child's other descriptors to be closed") }
        guard let directory else { return }
        guard let changeFolder = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map({ unsafeBitCast($0, to: PathAction.self) }),
              changeFolder(&actions, directory) == 0 else {
            throw Failed(description: "cannot start a child process in \(directory)")
        }
    }

    /// Blocks this thread until the child exits; answers its exit status (see `reaped`), or -1 when it cannot be read.
    public func waitUntilExit() -> Int32 {
        // Once reaped, the id may belong to another child of ours: never wait on it again. Before that, wait without
        // reaping: until the child is reaped its id cannot be reused, so `signal` (which checks `reaped` under the
        // same lock) never reaches someone else's process.
        if let reaped = reaped.withLock({ $0 }) { return reaped }
        var info = siginfo_t()
        while waitid(P_PID, id_t(id), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
        return reaped.withLock { reaped in
            if let reaped { return reaped }
            var status: Int32 = 0
            var answer: pid_t = -1
            repeat { answer = waitpid(id, &status, 0) } while answer == -1 && errno == EINTR
            let exit: Int32 = answer == -1 ? -1 : (status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
            reaped = exit
            return exit
        }
    }

    /// Waits for the child on a thread of its own: Swift's task pool has one thread per core, two here.
    public func exitStatus() async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: self.waitUntilExit()) }
        }
    }

    /// Sends `signal` to the child unless it has already been reaped.
    public func signal(_ signal: Int32) {
        reaped.withLock { reaped in
            if reaped == nil { _ = kill(id, signal) }
        }
    }
}
