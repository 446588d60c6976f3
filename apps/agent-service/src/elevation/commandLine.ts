/** A command line as a shell user would read it back: arguments with spaces or quotes are quoted. */
export function formatCommandLine(executable: string, args: readonly string[]): string {
  const quote = (arg: string) => (arg === '' || /[\s"'\\$`]/.test(arg) ? `'${arg.replaceAll("'", "'\\''")}'` : arg);
  return [executable, ...args].map(quote).join(' ');
}
