CREATE TABLE t919 (id bigint PRIMARY KEY, name text NOT NULL);
