import type { ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { Button, type ButtonProps } from 'antd';

/** A link that looks like a button (one <a>, not a button inside a link), navigating in the app. */
export function LinkButton({ to, children, type }: { to: string; children: ReactNode; type?: ButtonProps['type'] }) {
  const navigate = useNavigate();
  return (
    <Button
      type={type}
      href={to}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </Button>
  );
}
