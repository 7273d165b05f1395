export default function Apply() {
  return null;
}
