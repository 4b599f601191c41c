CREATE TABLE t636 (id bigint PRIMARY KEY, name text NOT NULL);
