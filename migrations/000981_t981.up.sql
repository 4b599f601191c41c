CREATE TABLE t981 (id bigint PRIMARY KEY, name text NOT NULL);
