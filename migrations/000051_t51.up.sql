CREATE TABLE t51 (id bigint PRIMARY KEY, name text NOT NULL);
