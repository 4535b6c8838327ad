// The lab panel (served in lab mode only): one switch per control, from the one list in
// common/lab.ts; the server holds the state (GET and PUT on its same-origin lab API).
import { LAB_API_PATH, LAB_CONTROLS, isLabControlName, type LabControlName, type LabState } from '../../common/lab';
import { createElement, requireElement, showStatus } from './lib/dom';

const list = requireElement('#lab-controls', HTMLUListElement);
const status = requireElement('#status-message', HTMLElement);

void load();

async function load(): Promise<void> {
  try {
    render(await request('GET'));
    showStatus(status, '');
  } catch (error) {
    showStatus(status, messageOf(error), 'error');
  } finally {
    list.removeAttribute('aria-busy');
  }
}

function render(state: LabState): void {
  const on = new Map(state.controls.map((control) => [control.name, control.on]));
  list.replaceChildren(
    ...LAB_CONTROLS.map((control) => {
      const box = createElement('input', { type: 'checkbox', id: `control-${control.name}`, 'data-control': control.name });
      box.checked = on.get(control.name) ?? true;
      box.addEventListener('change', () => void toggle(control.name, box));
      return createElement('li', { class: 'lab-control' }, [
        box,
        createElement('label', { for: box.id }, [createElement('strong', {}, [control.title]), ` (${control.name}) `, control.what]),
      ]);
    }),
  );
}

async function toggle(name: LabControlName, box: HTMLInputElement): Promise<void> {
  box.disabled = true;
  try {
    render(await request('PUT', name, box.checked));
    showStatus(status, `${name} is ${box.checked ? 'on' : 'off'}. Reload a page of the shop to see the banner change.`, 'success');
  } catch (error) {
    box.checked = !box.checked;
    showStatus(status, messageOf(error), 'error');
  } finally {
    box.disabled = false;
  }
}

async function request(method: 'GET' | 'PUT', name?: LabControlName, on?: boolean): Promise<LabState> {
  const response = await fetch(name === undefined ? LAB_API_PATH : `${LAB_API_PATH}/${name}`, {
    method,
    headers: on === undefined ? {} : { 'Content-Type': 'application/json' },
    body: on === undefined ? undefined : JSON.stringify({ on }),
  });
  if (!response.ok) throw new Error(`The lab answered ${response.status}.`);
  const body: unknown = await response.json();
  if (!isLabState(body)) throw new Error('The lab answered something that is not its state.');
  return body;
}

function isLabState(value: unknown): value is LabState {
  if (typeof value !== 'object' || value === null || !('controls' in value) || !Array.isArray(value.controls)) return false;
  return value.controls.every(
    (control: unknown) =>
      typeof control === 'object' &&
      control !== null &&
      'name' in control &&
      isLabControlName(control.name) &&
      'on' in control &&
      typeof control.on === 'boolean',
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : 'The lab could not be reached.';
}
