import POSIXSystem
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct ProcessTerminationTests {
    @Test func decodesWaitStatuses() {
        #expect(ProcessTermination(waitStatus: 0) == .exited(0))
        #expect(ProcessTermination(waitStatus: 0).isClean)
        #expect(ProcessTermination(waitStatus: 3 << 8) == .exited(3))
        #expect(ProcessTermination(waitStatus: SIGKILL) == .signaled(SIGKILL))
        #expect(ProcessTermination(waitStatus: SIGSEGV | 0x80) == .signaled(SIGSEGV))  // 0x80: a core was dumped
    }

    @Test func describesThemForLogs() {
        #expect(ProcessTermination.exited(3).description == "exit code 3")
        #expect(ProcessTermination.signaled(SIGKILL).description == "killed by SIGKILL")
        #expect(ProcessTermination.signaled(SIGXCPU).description == "killed by SIGXCPU")
        #expect(signalName(64) == "signal 64")
    }
}
