import { render } from 'preact';
import { till } from './bridge';
import { App } from './components/app';

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App api={till()} />, root);
}
