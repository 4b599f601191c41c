CREATE TABLE t764 (id bigint PRIMARY KEY, name text NOT NULL);
