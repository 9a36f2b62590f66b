import { useEffect, useRef, useState } from 'preact/hooks';
import type { UiContext } from '../state';

export function SignIn({ ctx }: { ctx: UiContext }) {
  const [name, setName] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const error = ctx.state.error?.place === 'signIn' ? ctx.state.error.error : null;
  const submit = async (e: Event) => {
    e.preventDefault();
    const result = await ctx.api.session.signIn({ cashier: name });
    if (!result.ok) return ctx.fail('signIn', result.error);
    ctx.set({ status: result.value.status, error: null });
    ctx.showCheckout(result.value.checkout);
  };
  const status = ctx.state.status;
  return (
    <main class="sign-in">
      <form onSubmit={submit}>
        <h1>Sign in to sell</h1>
        <p class="muted">
          {status?.store
            ? `${status.store.name} · terminal ${status.terminal?.name ?? '—'}`
            : 'This terminal has no store yet.'}
        </p>
        <label for="cashier">Cashier name</label>
        <input
          id="cashier"
          ref={input}
          data-testid="cashier-input"
          value={name}
          onInput={(e) => setName((e.target as HTMLInputElement).value)}
          autocomplete="off"
        />
        {error ? (
          <div class="error" role="alert">
            {error.message}
          </div>
        ) : null}
        <button type="submit" class="pay" data-testid="sign-in">
          Start selling
        </button>
      </form>
    </main>
  );
}
