import { BehaviorSubject, type Observable } from 'rxjs';
import type { LaunchParameters } from '../../../../../shared/bridge/src/common/services/windowLaunch.ts';
import type { WindowId } from '../../../../../shared/bridge/src/common/windows.ts';

/**
 * What each window was last opened with. Every opening sets it (none given: empty), so a window the
 * user opens by hand never shows what an earlier redirect said.
 */
export class LaunchParameterStore {
  private readonly byWindow = new Map<WindowId, BehaviorSubject<LaunchParameters>>();

  set(id: WindowId, parameters: LaunchParameters): void {
    const current = this.byWindow.get(id);
    if (current) current.next(parameters);
    else this.byWindow.set(id, new BehaviorSubject(parameters));
  }

  /** The window's parameters now and at every later opening. */
  of(id: WindowId): Observable<LaunchParameters> {
    if (!this.byWindow.has(id)) this.byWindow.set(id, new BehaviorSubject<LaunchParameters>({}));
    return this.byWindow.get(id)!.asObservable();
  }
}
