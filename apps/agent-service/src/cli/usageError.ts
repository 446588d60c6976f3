/** A mistake on the command line or in the config file: keeper-agent says what and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
