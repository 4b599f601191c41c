CREATE TABLE t747 (id bigint PRIMARY KEY, name text NOT NULL);
