export interface PeerCredentials {
  uid: number;
  gid: number;
  /** 0 when the kernel cannot tell (peer in another pid namespace; macOS without LOCAL_PEERPID). */
  pid: number;
}

/** Throws an Error (with `errno` and `syscall`) when the fd is not a connected Unix socket. */
export function getPeerCredentials(fd: number): PeerCredentials;
