CREATE TABLE t751 (id bigint PRIMARY KEY, name text NOT NULL);
