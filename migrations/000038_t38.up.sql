CREATE TABLE t38 (id bigint PRIMARY KEY, name text NOT NULL);
