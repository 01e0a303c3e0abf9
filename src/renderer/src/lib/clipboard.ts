// Puts text on the clipboard from a click or key press. The async Clipboard API needs a secure context (the
// desktop app's app:// and serve on localhost have one; serve opened over a LAN address does not), so a copy
// command carrying the text through the copy event is the fallback.

export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // refused (no permission, window not focused): try the copy command below
  }
  return copyWithCommand(text);
}

function copyWithCommand(text: string): boolean {
  let done = false;
  const onCopy = (e: ClipboardEvent) => {
    if (!e.clipboardData) return;
    e.clipboardData.setData('text/plain', text);
    e.preventDefault();
    done = true;
  };
  document.addEventListener('copy', onCopy, { capture: true });
  try {
    // Deprecated, but the one way left in an insecure context; it fires the copy event above synchronously.
    document.execCommand('copy');
  } catch {
    done = false;
  } finally {
    document.removeEventListener('copy', onCopy, { capture: true });
  }
  return done;
}
