/** The suite's mark: a keyhole shield. Decorative, so hidden from assistive technology. */
export function KeeperLogo() {
  return (
    <svg className="kp-logo" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <path d="M16 2 4 6.5v8.2C4 22.3 9.1 28.3 16 30c6.9-1.7 12-7.7 12-15.3V6.5L16 2Z" fill="var(--accent)" />
      <circle cx="16" cy="13" r="3.6" fill="var(--accent-text)" />
      <path d="M14.4 15.5h3.2l1.1 7h-5.4l1.1-7Z" fill="var(--accent-text)" />
    </svg>
  );
}
