import type { ReactNode } from 'react';
import { KeeperLogo } from './KeeperLogo.tsx';

/** The frame every window shares: a header with the title, one main landmark, a footer. */
export function WindowFrame(props: { title: string; subtitle?: string; status?: ReactNode; footer?: ReactNode; children: ReactNode }) {
  return (
    <div className="kp-frame">
      <header className="kp-header">
        <KeeperLogo />
        <div>
          <h1>{props.title}</h1>
          {props.subtitle ? <p>{props.subtitle}</p> : null}
        </div>
        <div className="kp-spacer" />
        {props.status}
      </header>
      <main className="kp-main">{props.children}</main>
      {props.footer ? <footer className="kp-footer">{props.footer}</footer> : null}
    </div>
  );
}
