CREATE TABLE t904 (id bigint PRIMARY KEY, name text NOT NULL);
