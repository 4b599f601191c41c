CREATE TABLE t857 (id bigint PRIMARY KEY, name text NOT NULL);
