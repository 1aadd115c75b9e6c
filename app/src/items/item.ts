export interface Item {
  id: string;
  name: string;
  description: string | null;
  price: number;
  created_at: string;
}

export interface NewItem {
  name: string;
  description?: string | null;
  price: number;
}

export interface ItemPage {
  items: Item[];
  total: number;
}
