export default function Actions() {
  return null;
}
